"""Mutual-information estimators (all return :class:`capacity.MIEstimate`; bits by default).

- exact: :func:`discrete_entropy`, :func:`discrete_mutual_information` (plug-in counts),
  :func:`quantized_output_entropy` (H(Q_delta(f(X))) on a uniform finite input set, exact),
  :func:`offset_averaged_entropy` (the same averaged over the bin grid's offset, with bounds);
- noisy: :func:`noisy_channel_mi` (I(X; f(X) + sigma Z): Monte Carlo +- SE with
  Kolchinsky-Tracey bounds; the sample-propagation plug-in for continuous X);
- :func:`ksg_mutual_information` (KSG, max-norm, multivariate; a cross-check, biased low at high MI);
- :func:`infonce_lower_bound` (torch; can never exceed ln(batch));
- :func:`gaussian_channel_mi` (closed form 1/2 log det(I + W Sigma W^T / sigma^2));
- :func:`plugin_mi` (plug-in MI of paired labels, Miller-Madow corrected, bootstrap SE).

torch is imported only by :func:`infonce_lower_bound` (and by torch inputs).
"""
from .exact import (discrete_entropy, discrete_mutual_information, offset_averaged_entropy,
                    quantized_output_entropy)
from .gaussian import gaussian_channel_mi
from .infonce import infonce_lower_bound
from .ksg import ksg_mutual_information
from .noisy import noisy_channel_mi
from .plugin import plugin_mi

__all__ = ["discrete_entropy", "discrete_mutual_information", "quantized_output_entropy", "offset_averaged_entropy",
           "noisy_channel_mi", "ksg_mutual_information", "infonce_lower_bound", "gaussian_channel_mi",
           "plugin_mi"]
