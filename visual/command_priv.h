/*
 * command_priv.h - the commands defined outside command.c (the table in
 * command.c names them all): the views, the VM on screen, scrolling and
 * the presenter layout, in command_view.c.
 */
#ifndef VISUAL_COMMAND_PRIV_H
#define VISUAL_COMMAND_PRIV_H

#include "app.h"

int cmd_view(struct app *a, const char *arg);
int cmd_focus(struct app *a, const char *arg);
int cmd_vcpu(struct app *a, const char *arg);
int cmd_log_filter(struct app *a, const char *arg);
int cmd_scroll(struct app *a, const char *arg);
int cmd_presenter(struct app *a, const char *arg);

#endif
