"""What the forecasts say about plans and about the engine: targets, what-if, hindcast and
backtest. Results carry codes; words are applied when they are rendered."""
