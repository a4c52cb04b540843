"""The web front end: public pages and the organiser back office (server-rendered, DSFR)."""
