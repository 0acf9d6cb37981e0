"""The forecast engine: pooled hazards, the models, and the one path from a locality's
history to bounded simulated paths that forecast, backtest and hindcast all use."""
