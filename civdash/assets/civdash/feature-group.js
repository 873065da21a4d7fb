/* Points in a plain Leaflet group, not clustered: creation units, or issues when clustering is
 * turned off (civdash/maps/layers.py).
 */
L.featureGroup()
