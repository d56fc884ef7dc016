curl -X POST -F token=glptt-bf54c3085e6a877fb2dbf1cd246b41db8ce53e4f -F ref=main https://gitlab.acme.io/api/v4/projects/7/trigger/pipeline
