"""Exchanges the harness does not serve itself: sandbox runs through recording relays, and imported captures.

- `profile`: sandbox profiles (TOML per platform), their secrets kept out of every record;
- `probe`: each upstream checked before any scenario (reachable, certificate as the profile says);
- `sandbox`: the sandbox run of a pytest session (`prepare`, `join`, `platform_of` for socle fixtures);
- `plugin`: which scenarios run in a sandbox (`@pytest.mark.sandbox`), platform failures as findings;
- `https`: the recording HTTPS reverse proxy the DMP and e-prescription relays are built on;
- `imports`: `conformance run --from-capture DIR`.
"""
