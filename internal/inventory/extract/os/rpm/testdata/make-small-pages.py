# Regenerates testdata/sqlite-small-pages/rpmdb.sqlite: the four package
# headers of testdata/sqlite/rpmdb.sqlite (made by rpm 4.18) repeated 25
# times in a database of 512-byte pages, so that the Packages table has
# interior b-tree pages and every header spans an overflow chain.
import os, sqlite3
src = sqlite3.connect('testdata/sqlite/rpmdb.sqlite')
blobs = [r[0] for r in src.execute('select blob from Packages order by hnum')]
out = 'testdata/sqlite-small-pages/rpmdb.sqlite'
os.makedirs(os.path.dirname(out), exist_ok=True)
if os.path.exists(out):
    os.remove(out)
c = sqlite3.connect(out)
c.execute('pragma page_size=512')
c.execute("CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)")
for i in range(25):
    for b in blobs:
        c.execute('insert into Packages(blob) values (?)', (b,))
c.commit()
c.execute('vacuum')
c.close()

# testdata/sqlite-tiny/rpmdb.sqlite: two copies of one header, 512-byte
# pages, 4.5 KiB: a small seed for FuzzExtract.
blob = blobs[3]
out = 'testdata/sqlite-tiny/rpmdb.sqlite'
os.makedirs(os.path.dirname(out), exist_ok=True)
if os.path.exists(out):
    os.remove(out)
c = sqlite3.connect(out)
c.execute('pragma page_size=512')
c.execute("CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)")
for i in range(2):
    c.execute('insert into Packages(blob) values (?)', (blob,))
c.commit()
c.execute('vacuum')
c.close()
