/* Issue points grouped by MarkerCluster (civdash/maps/layers.py). A cluster's title counts its
 * issues and the overdue ones among them (category 0); a cluster holding one gets a red ring.
 *
 * Slots (filled by civdash.maps.scripts.script):
 *   __TOTAL__, __OVERDUE__  the words of a cluster's title: "<n> 个问题，其中逾期 <bad> 个"
 */
L.markerClusterGroup({
  chunkedLoading: true, maxClusterRadius: 45, showCoverageOnHover: false,
  iconCreateFunction: function (cluster) {
    var kids = cluster.getAllChildMarkers(), bad = 0, n = cluster.getChildCount();
    for (var j = 0; j < kids.length; j++) { if (kids[j].civdashKind === 0) { bad++; } }
    var size = n < 100 ? 34 : n < 1000 ? 42 : 50;
    return L.divIcon({
      html: '<div title="' + n + __TOTAL__ + bad + __OVERDUE__ + '"><span>' + n + "</span></div>",
      className: "civdash-cluster" + (bad ? " civdash-cluster-bad" : ""),
      iconSize: L.point(size, size)
    });
  }
})
