<?php
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wp' );
define( 'DB_PASSWORD', 'U0PBDe%S53fP2k' );
define( 'DB_HOST', 'mysql' );
define( 'AUTH_KEY',         '/?!0.#G{hT}nrU@D}4J1@p}m;HdN*Z1I,NU^9z*4?mgY:ak<e@BSDv2iFeuS0H&O' );
define( 'WP_DEBUG', false );
