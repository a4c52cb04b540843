"""Open-text themes: French normalisation and stemming, TF-IDF, k-means themes
with labels, representative verbatims, evolution over time, campaigns apart."""
