/* District polygons whose style, tooltip and popup come from prepared, already-escaped
 * properties: s (the Leaflet path style), t (tooltip HTML), o (tooltip options), p (popup HTML).
 * See civdash/maps/base.py (outlines) and choropleth.py.
 *
 * Slots (filled by civdash.maps.scripts.script):
 *   __NAME__  the layer's variable (a folium element name)
 *   __DATA__  the GeoJSON FeatureCollection (JSON)
 */
var __NAME__ = L.geoJson(__DATA__, {
  style: function (f) { return f.properties.s; },
  onEachFeature: function (f, layer) {
    if (f.properties.t) { layer.bindTooltip(f.properties.t, f.properties.o); }
    if (f.properties.p) { layer.bindPopup(f.properties.p, {maxWidth: 360}); }
  }
});
