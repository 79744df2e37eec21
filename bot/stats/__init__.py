"""The business figures (KPIs) of a period, for /admin stats, the dashboard and the gauges."""
