"""Experiments: random-network information, Gibbs resampling (naive Bayes, Ising, general Markov
chains), Telephone chains."""
