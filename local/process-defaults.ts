/**
 * Environment defaults for running the handlers in this process (the sandbox, the CLI, the bench),
 * set before any handler module loads: Powertools reads them when its singletons are created.
 * Lambda-style JSON logs would drown the progress display, so only errors are logged unless the
 * caller asks for more (POWERTOOLS_LOG_LEVEL), and metrics are not printed as EMF.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
