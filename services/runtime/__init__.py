"""The runtime: settings, the composition root, the worker loop, the HTTP app
factory, metrics, JSON logs and the `parlons` CLI. The only package that knows
which adapters exist."""
