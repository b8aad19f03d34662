"""The insensitive-function channel: Bob sees (S, x_S, f(x)) for random x and s-subsets S.

Classes of indistinguishable functions, their counts, the sensitivity of random
functions, and Monte Carlo information for function families. See
shared/docs/problem.md, Sec. 2.
"""
from .classes import (EquivalenceClasses, cell_probabilities, count_classes, equivalence_classes,
                      low_degree_subsets, standard_functions)
from .merge import MergedChannel, merge_duplicate_inputs
from .sensitivity import (majority_retained_information, random_function_retained_information,
                          random_function_retained_information_asymptotic)

__all__ = ["EquivalenceClasses", "cell_probabilities", "count_classes", "equivalence_classes",
           "low_degree_subsets", "standard_functions", "MergedChannel", "merge_duplicate_inputs",
           "majority_retained_information", "random_function_retained_information",
           "random_function_retained_information_asymptotic"]
