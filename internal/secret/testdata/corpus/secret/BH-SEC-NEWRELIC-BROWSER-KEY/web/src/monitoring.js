window.NREUM.init = { licenseKey: "NRJS-b95437c5a5d284414f7", applicationID: "1234567" };
