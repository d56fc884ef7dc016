-- A finding's CVE is in CISA's Known Exploited Vulnerabilities catalog:
-- what the server's notifications (a new KEV finding in a running image)
-- and the fleet views read. Numbered 00060 to leave room before it.

-- +goose Up
ALTER TABLE findings ADD COLUMN kev INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE findings DROP COLUMN kev;
