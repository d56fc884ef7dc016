const mapsKey = "AIzaW01RFMw5HEi2obVTqaRQ-KHhruhgh4xCceC";
initMap(mapsKey);
