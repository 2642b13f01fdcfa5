"""Training: hands-on modules that teach value management on a fictional organisation.

- :mod:`~pmo2vmo.training.feedback`: what a check says — passed, not answered yet, or what is
  wrong and a hint;
- :mod:`~pmo2vmo.training.finance`: ROI, NPV (and Excel's variant), IRR, payback, discounted
  payback, NPS — numpy-financial's formulas with its pitfalls handled;
- :mod:`~pmo2vmo.training.prioritise`: cost of delay, WSJF (SAFe), CD3 and the triple constraint;
- :mod:`~pmo2vmo.training.portfolio`: the exact 0/1 portfolio under budget and capacity, greedy
  and loudest-sponsor-first;
- :mod:`~pmo2vmo.training.benefits`: a benefits register tracked beyond closure, its burn-up;
- :mod:`~pmo2vmo.training.case`: the fictional organisation every module uses;
- :mod:`~pmo2vmo.training.assess`: module 6's calls into the product;
- :mod:`~pmo2vmo.training.exercises`: each exercise's check and model answer;
- :mod:`~pmo2vmo.training.widgets`: the calculators, each the twin of a plain function;
- :mod:`~pmo2vmo.training.modules`: ``pmo2vmo training --out DIR``.
"""
