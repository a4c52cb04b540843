"""The `parlons` jobs: one command each, run from cron or a Kubernetes CronJob
(the embedded `parlons serve` runs the result freeze itself). Each builds a
container hosting only the services it needs and prints a French summary."""
