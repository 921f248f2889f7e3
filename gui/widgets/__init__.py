"""Everything two panels use: job controls, pickers, data source, dataset browser, predictions,
curves, image grids, paint canvas."""
