/* The map's own controls in Chinese (civdash/maps/controls.py): a scale bar in 米 / 公里 only
 * (Leaflet's would add miles), zoom buttons titled 放大 / 缩小, and an attribution line without
 * Leaflet's prefix (a link to leafletjs.com, off the machine).
 *
 * Slots (filled by civdash.maps.scripts.script):
 *   __MAP__     the map's variable
 *   __PREFIX__  the attribution's prefix (JSON), before any tile layer's own; "" for none
 */
(function (map) {
  var scale = L.control.scale({metric: true, imperial: false, position: "bottomleft"});
  scale._updateMetric = function (maxMeters) {
    var meters = this._getRoundNum(maxMeters);
    var label = meters < 1000 ? meters + " 米" : meters / 1000 + " 公里";
    this._updateScale(this._mScale, label, meters / maxMeters);
  };
  scale.addTo(map);
  if (map.zoomControl) {
    map.removeControl(map.zoomControl);
    map.zoomControl = L.control.zoom({zoomInTitle: "放大", zoomOutTitle: "缩小"}).addTo(map);
  }
  if (map.attributionControl) {
    map.attributionControl.setPrefix(__PREFIX__ || false);
  }
})(__MAP__);
