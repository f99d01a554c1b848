"""Argo Workflows definitions (Hera), the local runner and the `gmp` command line."""
