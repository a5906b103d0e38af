/* In-process fake storage manager: records requests, answers canned data. */
#include "fake_sm.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake_sm {
	struct rpc_server *srv;
	pthread_t thread;
	pthread_mutex_t lock;
	fake_reply_fn reply;
	int calls;
	char method[64];
	char params[1024];
};

static void dump_value(xmlrpc_env *env, xmlrpc_value *v, char *buf, size_t len);

static void dump_array(xmlrpc_env *env, xmlrpc_value *v, char *buf, size_t len)
{
	int i, n = xmlrpc_array_size(env, v);
	size_t used;

	snprintf(buf, len, "[");
	for (i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *e = NULL;

		xmlrpc_array_read_item(env, v, i, &e);
		if (!e)
			break;
		used = strlen(buf);
		if (i && used + 1 < len)
			buf[used++] = ' ';
		dump_value(env, e, buf + used, len - used);
		xmlrpc_DECREF(e);
	}
	used = strlen(buf);
	snprintf(buf + used, len - used, "]");
}

static void dump_value(xmlrpc_env *env, xmlrpc_value *v, char *buf, size_t len)
{
	const char *s = NULL;
	xmlrpc_bool b = 0;
	int i = 0;

	switch (xmlrpc_value_type(v)) {
	case XMLRPC_TYPE_INT:
		xmlrpc_read_int(env, v, &i);
		snprintf(buf, len, "i:%d", i);
		break;
	case XMLRPC_TYPE_BOOL:
		xmlrpc_read_bool(env, v, &b);
		snprintf(buf, len, "b:%d", b ? 1 : 0);
		break;
	case XMLRPC_TYPE_STRING:
		xmlrpc_read_string(env, v, &s);
		snprintf(buf, len, "s:%s", s ? s : "");
		free((void *)s);
		break;
	case XMLRPC_TYPE_ARRAY:
		dump_array(env, v, buf, len);
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void dump_struct(xmlrpc_env *env, xmlrpc_value *st, char *buf,
			size_t len)
{
	char *items[32];
	int i, n = xmlrpc_struct_size(env, st);
	size_t used = 0;

	buf[0] = '\0';
	if (n > 32)
		n = 32;
	for (i = 0; i < n; i++) {
		xmlrpc_value *k = NULL, *v = NULL;
		const char *key = NULL;
		char val[512];

		items[i] = NULL;
		xmlrpc_struct_read_member(env, st, (unsigned)i, &k, &v);
		if (env->fault_occurred)
			break;
		xmlrpc_read_string(env, k, &key);
		dump_value(env, v, val, sizeof(val));
		if (asprintf(&items[i], "%s=%s", key ? key : "?", val) < 0)
			items[i] = NULL;
		free((void *)key);
		xmlrpc_DECREF(k);
		xmlrpc_DECREF(v);
	}
	for (; i < n; i++)
		items[i] = NULL;
	qsort(items, (size_t)n, sizeof(items[0]), cmp_str);
	for (i = 0; i < n; i++) {
		if (items[i])
			snprintf(buf + used, len - used, "%s%s", i ? "," : "",
				 items[i]);
		used = strlen(buf);
		free(items[i]);
	}
}

static int fake_handler(struct rpc_request *req)
{
	struct fake_sm *f = req->ctx;
	fake_reply_fn fn;

	pthread_mutex_lock(&f->lock);
	f->calls++;
	snprintf(f->method, sizeof(f->method), "%s", req->method);
	dump_struct(req->env, req->params, f->params, sizeof(f->params));
	fn = f->reply;
	pthread_mutex_unlock(&f->lock);
	return fn ? fn(req) : 0;
}

static const struct rpc_param_spec no_spec[] = {{NULL, 0, 0, 0, 0, 0}};

#define FAKE_METHOD(name)                                                      \
	{                                                                      \
		name, fake_handler, no_spec, 0, NULL                           \
	}

static const struct rpc_method fake_methods[] = {
    FAKE_METHOD("registerHeadServer"),	 FAKE_METHOD("registerStorageServer"),
    FAKE_METHOD("registerPhysicalDisk"), FAKE_METHOD("deletePhysicalDisk"),
    FAKE_METHOD("deleteHeadServer"),	 FAKE_METHOD("deleteStorageServer"),
    FAKE_METHOD("createLogicalVolume"),	 FAKE_METHOD("createSnapshot"),
    FAKE_METHOD("deleteLogicalVolume"),	 FAKE_METHOD("attachLogicalVolume"),
    FAKE_METHOD("detachLogicalVolume"),	 FAKE_METHOD("listHeadServers"),
    FAKE_METHOD("listStorageServers"),	 FAKE_METHOD("listPhysicalDisks"),
    FAKE_METHOD("listLogicalVolumes"),	 FAKE_METHOD("showLogicalVolume"),
    FAKE_METHOD("notifyFailure"),	 FAKE_METHOD("notifyBadBlocks"),
    FAKE_METHOD("shutdownAll"),		 {NULL, NULL, NULL, 0, NULL},
};

static void *serve(void *arg)
{
	struct fake_sm *f = arg;

	rpc_server_run(f->srv);
	return NULL;
}

int fake_sm_start(const char *addr, int port, struct fake_sm **out)
{
	struct rpc_server_opts opts = {
	    .listen_address = addr,
	    .port = port,
	    .request_timeout_s = 5,
	};
	struct fake_sm *f;
	int ret;

	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	pthread_mutex_init(&f->lock, NULL);
	ret = rpc_server_new(&opts, fake_methods, f, &f->srv);
	if (ret) {
		free(f);
		return ret;
	}
	if (pthread_create(&f->thread, NULL, serve, f)) {
		rpc_server_free(f->srv);
		free(f);
		return -EAGAIN;
	}
	*out = f;
	return 0;
}

int fake_sm_port(const struct fake_sm *f)
{
	return rpc_server_port(f->srv);
}

void fake_sm_stop(struct fake_sm *f)
{
	if (!f)
		return;
	rpc_server_stop(f->srv);
	pthread_join(f->thread, NULL);
	rpc_server_free(f->srv);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

void fake_sm_set_reply(struct fake_sm *f, fake_reply_fn fn)
{
	pthread_mutex_lock(&f->lock);
	f->reply = fn;
	pthread_mutex_unlock(&f->lock);
}

int fake_sm_calls(const struct fake_sm *f)
{
	return f->calls;
}

const char *fake_sm_last_method(const struct fake_sm *f)
{
	return f->method;
}

const char *fake_sm_last_params(const struct fake_sm *f)
{
	return f->params;
}
