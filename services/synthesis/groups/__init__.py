"""Opinion groups (the Pol.is method): PCA of the participants x statements
agree/disagree matrix, k-means with k by silhouette, representative and
consensus statements, and a map."""
