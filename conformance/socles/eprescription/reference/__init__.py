"""The e-prescription part of the reference DUI: prescribe, print, cancel and share an ordonnance.

`part.EprescriptionPart` is the part `conformance.demo` composes (verbs `eprescription.*`);
`defects.DEFECTS` is its one table of seeded defects, `prompts.PROMPTS` what the manual driver asks a
person for these verbs. Submodules are imported by their full path (this package imports none of them).
"""
