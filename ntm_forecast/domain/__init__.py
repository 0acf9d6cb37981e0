"""What a locality is: metrics, the params schema and loader, the history of figures, units
made of members, data checks and the simulated-path type. Uses only the base layer."""
