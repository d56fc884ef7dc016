wget -m ftp://mirror:LLDgEf34hLvoXI@files.acme.io/pub/
