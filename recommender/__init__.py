"""papers' library: sources, store, indexes and matching. It never reads the environment."""
