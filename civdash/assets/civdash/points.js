/* Issue or unit points from one packed payload, drawn by one Leaflet layer (see
 * civdash/maps/points.py and payload.py). Tooltips and popups are built on demand from text
 * that Python has already HTML-escaped.
 *
 * Slots (filled by civdash.maps.scripts.script):
 *   __NAME__         the layer's variable (a folium element name)
 *   __DATA__         the packed payload (JSON)
 *   __POINT_CLASS__  CSS classes of every marker, "civdash-pt civdash-circle" or "…-square"
 *   __GROUP__        the group the markers go into: cluster-group.js or feature-group.js
 */
var __NAME__ = (function () {
  var D = __DATA__;
  var T = new Int16Array(128);
  Object.keys(D.t).forEach(function (key) {
    var c = D.t[key];
    if (!c.z) { c.v = c.v === "" ? [] : c.v.split("|"); }
  });
  for (var q = 0; q < D.A.length; q++) { T[D.A.charCodeAt(q)] = q; }
  function dec(s, i, w) {
    var v = 0;
    for (var k = 0; k < w; k++) { v = v * 64 + T[s.charCodeAt(i * w + k)]; }
    return v;
  }
  function pad(x) { return x < 10 ? "0" + x : "" + x; }
  function val(key, i) {
    var c = D.t[key];
    if (c) {
      var v = dec(c.c, i, c.w);
      if (c.z) { return c.p + ("000000000" + v).slice(-c.z); }
      return v < c.v.length ? c.p + c.v[v] : "";
    }
    var d = D.d[key];
    if (d) {
      var n = dec(d.c, i, d.w);
      if (n === d.m) { return ""; }
      var t = new Date(Date.UTC(D.d0[0], D.d0[1] - 1, D.d0[2]) + n * 864e5);
      return t.getUTCFullYear() + "-" + pad(t.getUTCMonth() + 1) + "-" + pad(t.getUTCDate());
    }
    return "";
  }
  function badge(k) {
    return '<span class="civdash-badge" style="background:' + D.K[k].c + '">' + D.K[k].l + "</span>";
  }
  function popup(i, k) {
    var rows = "";
    for (var j = 0; j < D.P.length; j++) {
      var v = val(D.P[j][0], i);
      if (v !== "") { rows += "<tr><th>" + D.P[j][1] + "</th><td>" + v + "</td></tr>"; }
    }
    return '<div class="civdash-popup"><div class="civdash-popup-title">' + val(D.T, i) +
      " " + badge(k) + "</div><table>" + rows + "</table></div>";
  }
  function tooltip(i, k) {
    var parts = [];
    for (var j = 0; j < D.H.length; j++) { var v = val(D.H[j], i); if (v !== "") { parts.push(v); } }
    return parts.join(" · ") + " · " + D.K[k].l;
  }
  var icons = D.K.map(function (c) {
    return L.divIcon({
      className: __POINT_CLASS__ + (c.r ? " civdash-ring" : ""),
      html: '<span style="background:' + c.c + '"></span>',
      iconSize: [14, 14]
    });
  });
  var group = __GROUP__;
  var markers = new Array(D.n);
  for (var i = 0; i < D.n; i++) {
    var k = dec(D.k, i, 1);
    var m = L.marker([(D.la0 + dec(D.la, i, D.cw)) / D.s, (D.lo0 + dec(D.lo, i, D.cw)) / D.s],
                     {icon: icons[k], keyboard: false});
    m.civdashIndex = i;
    m.civdashKind = k;
    markers[i] = m;
  }
  if (group.addLayers) { group.addLayers(markers); } else { markers.forEach(function (m) { group.addLayer(m); }); }
  group.on("mouseover", function (e) {
    var m = e.layer;
    if (m.civdashIndex === undefined) { return; }
    if (!m.getTooltip()) { m.bindTooltip(tooltip(m.civdashIndex, m.civdashKind), {direction: "top"}); }
    m.openTooltip();
  });
  group.on("click", function (e) {
    var m = e.layer;
    if (m.civdashIndex === undefined || m.getPopup()) { return; }
    m.closeTooltip();
    m.bindPopup(popup(m.civdashIndex, m.civdashKind), {maxWidth: 380});
    m.openPopup();
  });
  return group;
})();
