"""The DMP part of the reference DUI: feeding (ITI-41), finding (ITI-18) and retrieving (ITI-43).

`part.DmpPart` is the part `conformance.demo` composes (verbs `dmp.*`); `defects.DEFECTS` is its one
table of seeded defects, `prompts.PROMPTS` what the manual driver asks a person for these verbs.
Submodules are imported by their full path (this package imports none of them).
"""
