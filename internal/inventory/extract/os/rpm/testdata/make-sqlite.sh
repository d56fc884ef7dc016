#!/bin/sh
# Regenerates testdata/sqlite/rpmdb.sqlite with a real rpm (Debian: apt-get
# install rpm): builds the packages of testdata/specs and records them in a
# fresh SQLite rpm database with "rpm -i --justdb". Run from the package dir.
set -eu
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
mkdir -p "$top/SPECS" "$top/db"
cp testdata/specs/*.spec "$top/SPECS/"
for s in "$top"/SPECS/*.spec; do
	rpmbuild --define "_topdir $top" --target x86_64 -bb "$s" >/dev/null
done
rpm --define "_db_backend sqlite" --dbpath "$top/db" --initdb
rpm --define "_db_backend sqlite" --dbpath "$top/db" -i --justdb --nodeps --ignorearch --ignoreos \
	$(find "$top/RPMS" -name '*.rpm')
mkdir -p testdata/sqlite
cp "$top/db/rpmdb.sqlite" testdata/sqlite/rpmdb.sqlite
