"""The URL map as the access, hostile and fuzz tests walk it, and the roles they walk it as."""

ROLES = ("anonymous", "own_reporter", "other_reporter", "other_coordinator", "coordinator", "admin")


def endpoints(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method
