"""Views, one module per area: accounts, wallet, tasks, health."""
