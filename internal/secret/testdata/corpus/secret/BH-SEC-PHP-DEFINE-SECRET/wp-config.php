<?php
define('DB_NAME', 'shop');
define('DB_PASSWORD', 'Qm7#vLk2pR9x');
