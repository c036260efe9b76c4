"""The original pybandits library's public names, as thin entry points over this package's classes.

Users of the original (its 6.x-8.x releases on NumPyro, 4.x-5.x on PyMC) import its names from its
modules; where a concept exists in both libraries, that name works here, on this package's
engine, with the original's arguments and defaults. Nothing here is a second implementation: each
class is this package's class under the original's name (or a subclass adding the original's
spelling of a method), and each argument is translated to this package's once.

Where the original's behaviour differs from this package's (defaults, returned shapes), these entry
points follow the original; ``docs/coming-from-8x.md`` lists every difference and why this
package's own API is the way it is. An argument of the original without a meaning here is refused
by name with what to use instead.

This package sits on top of every layer: no module of pybandits imports it. ``pybandits.model``
forwards the original's model names to :mod:`pybandits.compat.model` when they are first asked
for (a lazy attribute), so that ``from pybandits.model import BayesianNeuralNetwork`` works
without the model layer depending on this one.
"""
