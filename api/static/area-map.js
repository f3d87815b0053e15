// Area maps for the commissioner's pages: every area's boundary and base on the home page, and
// the boundary editor of the area form (draw with Leaflet-Geoman, drag the base marker).
//
// No tile layer: map tiles cannot be relied on (offline offices, blocked hosts), so boundaries
// and bases are drawn on a plain background, and every page keeps a table or a form field
// holding the same data. The form's GeoJSON field stays the source of truth: the map only
// writes into it, so the form works with the map missing, and without JavaScript.
(function () {
  "use strict";

  var BOUNDARY_STYLE = { color: "#1d4f91", weight: 2, fillOpacity: 0.12 };
  var NEIGHBOUR_STYLE = { color: "#505a5f", weight: 1, dashArray: "4 4", fillOpacity: 0.04 };
  var BRITAIN = { center: [54.0, -2.5], zoom: 5 };

  function readJson(text) {
    try {
      return JSON.parse(text);
    } catch (error) {
      return null;
    }
  }

  function plainMap(element) {
    // The words shown while there is no map (no JavaScript, or Leaflet missing) go.
    element.querySelectorAll(".area-map__fallback").forEach(function (words) {
      words.remove();
    });
    // attributionControl off: with no tiles there is nothing to attribute. No zoom or fade
    // animations: the map settles at once (no motion for those who prefer none, and nothing
    // moving while a screen reader or an accessibility check reads the page).
    var map = L.map(element, {
      attributionControl: false,
      zoomSnap: 0.25,
      zoomAnimation: false,
      fadeAnimation: false,
      markerZoomAnimation: false,
    });
    map.setView(BRITAIN.center, BRITAIN.zoom);
    return map;
  }

  function fitTo(map, layer) {
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [16, 16] });
    }
  }

  // Home page: one outline and one base dot per area, each linking to the area's page.
  function showAreas(element) {
    var source = document.getElementById(element.dataset.areas);
    var areas = source ? readJson(source.textContent) : null;
    if (!areas) {
      return;
    }
    var map = plainMap(element);
    var everything = L.featureGroup().addTo(map);
    areas.forEach(function (area) {
      var outline = L.geoJSON(area.boundary, { style: BOUNDARY_STYLE });
      var link = document.createElement("a");
      link.href = area.url;
      link.textContent = area.name;
      outline.bindPopup(link);
      outline.bindTooltip(area.name, { sticky: true });
      everything.addLayer(outline);
      var base = L.circleMarker([area.base[0], area.base[1]], {
        radius: 6,
        color: "#ffffff",
        weight: 2,
        fillColor: "#b3261e",
        fillOpacity: 1,
      });
      base.bindTooltip("Base of " + area.name);
      everything.addLayer(base);
    });
    fitTo(map, everything);
    // Keep every area in view when the window changes size (a phone turned sideways).
    map.on("resize", function () {
      fitTo(map, everything);
    });
    element.dataset.ready = "true";
  }

  // The area form: polygons drawn, edited or removed on the map are written into the boundary
  // field as one Polygon (or a MultiPolygon when there are several); the base marker into the
  // latitude and longitude fields.
  function editBoundary(element) {
    var field = document.getElementById(element.dataset.boundaryField);
    var latField = document.getElementById(element.dataset.latField);
    var lonField = document.getElementById(element.dataset.lonField);
    if (!field || !latField || !lonField) {
      return;
    }
    var map = plainMap(element);
    // The other areas, faint and not editable: with no map tiles they are the only landmarks.
    var source = document.getElementById(element.dataset.areas);
    var neighbours = L.featureGroup().addTo(map);
    (source ? readJson(source.textContent) || [] : []).forEach(function (area) {
      // Not interactive: landmarks are no targets, and a county's many small neighbours would
      // otherwise be tap targets packed closer than WCAG 2.5.8 allows. Their names stay shown.
      var outline = L.geoJSON(area.boundary, {
        style: NEIGHBOUR_STYLE,
        pmIgnore: true,
        interactive: false,
      });
      outline.bindTooltip(area.name, {
        permanent: true,
        direction: "center",
        className: "neighbour-name",
        interactive: false,
      });
      neighbours.addLayer(outline);
    });
    var drawn = L.featureGroup().addTo(map);
    var base = null;

    function polygons() {
      var found = [];
      drawn.eachLayer(function (layer) {
        var geometry = layer.toGeoJSON(6).geometry;
        if (geometry.type === "Polygon") {
          found.push(geometry.coordinates);
        } else if (geometry.type === "MultiPolygon") {
          found = found.concat(geometry.coordinates);
        }
      });
      return found;
    }

    function writeBoundary() {
      var rings = polygons();
      if (rings.length === 0) {
        field.value = "";
      } else if (rings.length === 1) {
        field.value = JSON.stringify({ type: "Polygon", coordinates: rings[0] });
      } else {
        field.value = JSON.stringify({ type: "MultiPolygon", coordinates: rings });
      }
    }

    function watch(layer) {
      layer.on("pm:edit pm:dragend pm:cut", writeBoundary);
    }

    function readBoundary() {
      drawn.clearLayers();
      var geometry = readJson(field.value);
      if (!geometry || (geometry.type !== "Polygon" && geometry.type !== "MultiPolygon")) {
        return;
      }
      var shapes;
      try {
        shapes = L.geoJSON(geometry, { style: BOUNDARY_STYLE });
      } catch (error) {
        return; // a malformed boundary is the server's to explain, beside the field
      }
      shapes.eachLayer(function (layer) {
        drawn.addLayer(layer);
        watch(layer);
      });
      fitTo(map, drawn);
    }

    function basePoint() {
      var lat = parseFloat(latField.value);
      var lon = parseFloat(lonField.value);
      return isFinite(lat) && isFinite(lon) ? L.latLng(lat, lon) : null;
    }

    function writeBase(point) {
      latField.value = point.lat.toFixed(6);
      lonField.value = point.lng.toFixed(6);
    }

    function placeBase(point) {
      if (base) {
        base.setLatLng(point);
        return;
      }
      base = L.marker(point, { draggable: true, title: "Base", alt: "Base", keyboard: true });
      base.on("dragend", function () {
        writeBase(base.getLatLng());
      });
      base.addTo(map);
    }

    if (neighbours.getLayers().length > 0) {
      fitTo(map, neighbours);
    }
    readBoundary();
    var start = basePoint();
    if (start) {
      placeBase(start);
      if (drawn.getLayers().length === 0) {
        map.setView(start, 10);
      }
    }

    map.pm.setGlobalOptions({ pathOptions: BOUNDARY_STYLE });
    map.pm.addControls({
      position: "topleft",
      drawMarker: false,
      drawCircleMarker: false,
      drawPolyline: false,
      drawCircle: false,
      drawText: false,
      cutPolygon: false,
      rotateMode: false,
    });
    // Geoman titles the buttons' containers, not the buttons: name the buttons themselves so
    // screen readers announce them.
    element.querySelectorAll(".leaflet-pm-toolbar .button-container").forEach(function (box) {
      var button = box.querySelector(".leaflet-buttons-control-button");
      if (button && box.title) {
        button.setAttribute("aria-label", box.title);
      }
    });
    map.on("pm:create", function (event) {
      drawn.addLayer(event.layer);
      watch(event.layer);
      writeBoundary();
    });
    map.on("pm:remove", function (event) {
      drawn.removeLayer(event.layer);
      writeBoundary();
    });
    map.on("click", function (event) {
      // A click outside any drawing tool puts the base there (the marker can then be dragged).
      if (map.pm.globalDrawModeEnabled() || map.pm.globalRemovalModeEnabled()) {
        return;
      }
      placeBase(event.latlng);
      writeBase(event.latlng);
    });
    field.addEventListener("change", readBoundary);
    [latField, lonField].forEach(function (input) {
      input.addEventListener("change", function () {
        var point = basePoint();
        if (point) {
          placeBase(point);
        }
      });
    });
    element.dataset.ready = "true";
  }

  function start() {
    if (typeof L === "undefined") {
      return; // Leaflet not installed: the table and the form fields still work
    }
    document.querySelectorAll("[data-area-map='areas']").forEach(showAreas);
    document.querySelectorAll("[data-area-map='editor']").forEach(editBoundary);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
