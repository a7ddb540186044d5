"""Methods the business cases share: sensitivity grids, Monte Carlo over the uncertain inputs, and the headline
scenario of a scenario table. Pure computation: no marts, no presentation."""
