"""Results as a planner reads them: the report, planner tables, charts, CSV, Excel and Word.
Renders what the layers below computed; computes no forecast of its own."""
