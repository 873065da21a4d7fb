/* A legend box: a Leaflet control whose content is HTML escaped in Python
 * (civdash/maps/legend.py).
 *
 * Slots (filled by civdash.maps.scripts.script):
 *   __NAME__      the control's variable (a folium element name)
 *   __MAP__       the map's variable
 *   __POSITION__  "topleft", "topright", "bottomleft" or "bottomright" (JSON)
 *   __HTML__      the box's content (JSON)
 */
var __NAME__ = L.control({position: __POSITION__});
__NAME__.onAdd = function () {
  var div = L.DomUtil.create("div", "civdash-legend");
  div.innerHTML = __HTML__;
  L.DomEvent.disableClickPropagation(div);  // folding it must not click the district below
  L.DomEvent.disableScrollPropagation(div);
  return div;
};
__NAME__.addTo(__MAP__);
