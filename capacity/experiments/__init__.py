"""Experiments: random-network information, Gibbs resampling (naive Bayes, Ising, general Markov
chains), Telephone chains, abstractions of computations. Each lives in its own module
(``capacity.experiments.<module>``), whose ``__all__`` lists its public names."""
