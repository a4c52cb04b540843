"""What every service's JSON API needs from HTTP, and nothing of the services:
the ports an app carries (`ApiState`), FastAPI dependencies over them, the
idempotency middleware. Below the services, above the kernel and the ports."""
