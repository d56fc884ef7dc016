git clone https://gitlab.acme.io/acme/app.git --config http.extraHeader="Deploy-Token: gldt-rP-129r0OS7od26MRGZO"
