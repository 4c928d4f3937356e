"""The MSSanté part of the reference DUI: an EHPAD's MSSanté client, minus the screens.

`part.MssantePart` is the part `conformance.demo` composes (verbs `mssante.*` and `dui.audit_trail`);
`defects.DEFECTS` is its one table of seeded defects, `prompts.PROMPTS` what the manual driver asks a
person for these verbs. Submodules are imported by their full path (this package imports none of them).
"""
