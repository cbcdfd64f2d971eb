/* main.c - command dispatch, process-wide set-up. */
#include "compat.h"
#include <signal.h>
#include "cmd.h"
#include "source.h"
#include "error.h"
#include "version.h"

static void usage(FILE *out)
{
	fputs("usage: keysnare <command> [options] [args]\n\n"
	      "keysnare finds leaked API keys and credentials.\n\n"
	      "commands:\n"
	      "  scan [PATH...]    scan files, directories or '-' (stdin)\n"
	      "  history [RANGE]   scan a git repository's history, blob by blob\n"
	      "  staged            scan the changes staged for the next commit\n"
	      "  hook install      install the git pre-commit (and pre-push) hook\n"
	      "  hook uninstall    remove it, restoring the hook it chained or replaced\n"
	      "  hook status       show the installed hooks and run a self-test\n"
	      "  verify [REPORT]   check the keys of a JSON report live with their providers\n"
	      "  rules list        list the rules\n"
	      "  rules show ID     show one rule with its examples\n"
	      "  rules check [F]   validate rule files (default: the embedded rules)\n"
	      "  version           print the version\n"
	      "  help [COMMAND]    show help for a command\n\n"
	      "exit status: 0 clean, 1 findings, 2 incomplete scan without findings,\n"
	      "             3 usage or configuration error\n",
	      out);
}

static int help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "scan"))
		cmd_scan_help(stdout);
	else if (!strcmp(argv[1], "rules"))
		cmd_rules_help(stdout);
	else if (!strcmp(argv[1], "history"))
		cmd_history_help(stdout);
	else if (!strcmp(argv[1], "hook"))
		cmd_hook_help(stdout);
	else if (!strcmp(argv[1], "staged"))
		cmd_staged_help(stdout);
	else if (!strcmp(argv[1], "verify"))
		cmd_verify_help(stdout);
	else if (!strcmp(argv[1], "version") || !strcmp(argv[1], "help"))
		usage(stdout);
	else {
		fprintf(stderr, "keysnare: no command '%s' (see 'keysnare help')\n",
			argv[1]);
		return KS_EXIT_USAGE;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	/* a closed pipe is a write error we report, not a silent death */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return KS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "scan"))
		ret = cmd_scan(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "rules"))
		ret = cmd_rules(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "history"))
		ret = cmd_history(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "hook"))
		ret = cmd_hook(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "staged"))
		ret = cmd_staged(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "verify"))
		ret = cmd_verify(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version"))
		ret = (printf("keysnare %s\n", KS_VERSION), 0);
	else if (!strcmp(argv[1], "help"))
		ret = help(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		ret = (usage(stdout), 0);
	else {
		fprintf(stderr,
			"keysnare: unknown command '%s' (see 'keysnare help')\n",
			argv[1]);
		ret = KS_EXIT_USAGE;
	}
	ks_git_shutdown();
	return ret;
}
