/* cmd.h - the subcommands; each returns an enum ks_exit code. */
#ifndef KS_CMD_H
#define KS_CMD_H

int cmd_scan(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_hook(int argc, char **argv);
void cmd_hook_help(FILE *out);
int cmd_staged(int argc, char **argv);
int cmd_verify(int argc, char **argv);
void cmd_verify_help(FILE *out);
void cmd_staged_help(FILE *out);
void cmd_history_help(FILE *out);
void cmd_scan_help(FILE *out);
void cmd_rules_help(FILE *out);

/* Loads the default rules plus extra files; prints diagnostics. Returns 0
 * or KS_EXIT_USAGE. */
struct ks_ruleset;
int ks_load_rules(struct ks_ruleset *set, char **files, size_t nr,
		  bool defaults);

#endif
