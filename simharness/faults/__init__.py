"""What goes wrong, one injector per module: which faults a run switches on (`swarm`), what providers answer
(`provider`), what the runtime raises about the session (`runtime`), and the shapes errors come wrapped in
(`wrapping`). Each injector makes its own recorded choices; the errors come from pure builders."""
