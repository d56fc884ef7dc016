#!/bin/sh
export MAPBOX_ACCESS_TOKEN=sk.eyJ1IjoiPpYJ9VgquzmpbuM5vsXsNZbQCt8g2boClKeQapILeAf4ffLx.pBx7V4aShKcON6SirJcajw
mapbox upload shop.tiles data.mbtiles
