"""Results as a planner reads them: the report, planner tables, charts, CSV, Excel and Word.
The report asks the layers below for its forecast and assessments; every other module here
only renders what it is given."""
