/* cli: the commands of the one lifeboat binary. Each returns an exit code. */
#ifndef LB_CLI_H
#define LB_CLI_H

int lb_cli_serve(int argc, char **argv);
int lb_cli_admin(int argc, char **argv);
int lb_cli_fsck(int argc, char **argv);

#endif
