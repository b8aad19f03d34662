"""The insensitive-function channel: Bob sees (S, x_S, f(x)) for random x and s-subsets S.

Classes of indistinguishable functions, their counts, the sensitivity of random
functions, and Monte Carlo information for function families. See
docs/problem.rst, sections "The insensitive-function channel" to "Facts about C(n, s, m)".
"""
from .classes import (EquivalenceClasses, cell_probabilities, count_classes, equivalence_classes,
                      low_degree_subsets, standard_functions)
from .merge import MergedChannel, merge_duplicate_inputs
from .channel import ChannelShape, InsensitiveChannel, channel_matrix, channel_shape
from .solve import InsensitiveCapacity, SolveEstimate, insensitive_capacity, insensitive_estimate
from .symmetry import FoldedChannel, folded_channel, symmetry_generators
from .npn import ClassOrbits, class_orbit_representatives
from .family import function_family_information
from .sensitivity import (majority_retained_information, random_function_retained_information,
                          random_function_retained_information_asymptotic)
from .families import (FunctionFamily, all_functions_family, junta_family, symmetric_family, table_family,
                       threshold_family)
from .family_capacity import FamilyCapacity, family_capacity, family_channel_plan
from .bounds import CapacityUpperBound, binomial_channel_upper, capacity_upper_bound
from .bounty import LawSensitivity, law_sensitivity
from .family_bracket import FamilyBracket, family_bracket
from .readings import READINGS, reading_capacity

__all__ = ["EquivalenceClasses", "cell_probabilities", "count_classes", "equivalence_classes",
           "low_degree_subsets", "standard_functions", "MergedChannel", "merge_duplicate_inputs",
           "majority_retained_information", "random_function_retained_information",
           "random_function_retained_information_asymptotic",
           "ChannelShape", "InsensitiveChannel", "channel_matrix", "channel_shape", "InsensitiveCapacity",
           "insensitive_capacity", "SolveEstimate", "insensitive_estimate", "FoldedChannel", "folded_channel", "symmetry_generators",
           "ClassOrbits", "class_orbit_representatives",
           "function_family_information",
           "FunctionFamily", "all_functions_family", "junta_family", "symmetric_family", "table_family",
           "threshold_family", "FamilyCapacity", "family_capacity", "family_channel_plan",
           "CapacityUpperBound", "binomial_channel_upper", "capacity_upper_bound",
           "LawSensitivity", "law_sensitivity", "FamilyBracket", "family_bracket",
           "READINGS", "reading_capacity"]
