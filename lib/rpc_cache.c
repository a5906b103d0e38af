/*
 * Replies of read-only calls (RPC_M_CACHED) kept while the state they were
 * read from stands. A call whose body is byte for byte one answered before
 * gets the same reply again when the server's state token (a hook: the
 * manager's database snapshot) is the one that reply was made under. The
 * token is taken by a round that starts after the call arrived, so no
 * reply is older than its call; calls that arrive together share a round,
 * so a burst of reads costs one look at the state.
 */
#include "rpc_server_priv.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_ENTRIES	32
#define CACHE_MAX_BODY	4096
#define CACHE_MAX_REPLY (4u << 20)

struct cache_entry {
	char *body; /* NULL: free slot */
	size_t len;
	uint64_t hash;
	const char *method; /* the table's name */
	char *token;	    /* NULL: no reply yet */
	char *reply;
	size_t reply_len;
	uint64_t used;
};

struct rpc_cache {
	pthread_mutex_t lock;
	pthread_cond_t round_done;
	rpc_token_fn fn;
	void *ctx;
	uint64_t started, done; /* token rounds */
	bool running;
	char *token; /* of round `done`; NULL: the state could not be read */
	struct cache_entry e[CACHE_ENTRIES];
	uint64_t clock;
};

struct rpc_cache *rpc_cache_new(rpc_token_fn fn, void *ctx)
{
	struct rpc_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->round_done, NULL);
	c->fn = fn;
	c->ctx = ctx;
	return c;
}

static void entry_clear(struct cache_entry *e)
{
	free(e->body);
	free(e->token);
	free(e->reply);
	memset(e, 0, sizeof(*e));
}

void rpc_cache_free(struct rpc_cache *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < CACHE_ENTRIES; i++)
		entry_clear(&c->e[i]);
	free(c->token);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->round_done);
	free(c);
}

static uint64_t hash_body(const char *body, size_t len)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)body[i]) * 1099511628211ULL;
	return h;
}

/* Under c->lock. */
static struct cache_entry *find(struct rpc_cache *c, const char *body,
				size_t len, uint64_t h)
{
	int i;

	for (i = 0; i < CACHE_ENTRIES; i++) {
		struct cache_entry *e = &c->e[i];

		if (e->body && e->hash == h && e->len == len &&
		    !memcmp(e->body, body, len))
			return e;
	}
	return NULL;
}

/* Under c->lock: a free slot, else the one used longest ago. */
static struct cache_entry *slot(struct rpc_cache *c)
{
	struct cache_entry *victim = &c->e[0];
	int i;

	for (i = 0; i < CACHE_ENTRIES; i++) {
		if (!c->e[i].body)
			return &c->e[i];
		if (c->e[i].used < victim->used)
			victim = &c->e[i];
	}
	entry_clear(victim);
	return victim;
}

/*
 * The state token of a round that started after this call (malloc'd), or
 * NULL when the state cannot be read now.
 */
char *rpc_cache_fresh_token(struct rpc_cache *c)
{
	uint64_t need, mine;
	char *t = NULL;

	pthread_mutex_lock(&c->lock);
	need = c->started + 1; /* a round running now began too early */
	while (c->done < need) {
		if (c->running) {
			pthread_cond_wait(&c->round_done, &c->lock);
			continue;
		}
		c->running = true;
		mine = ++c->started;
		pthread_mutex_unlock(&c->lock);
		t = c->fn(c->ctx);
		pthread_mutex_lock(&c->lock);
		free(c->token);
		c->token = t;
		c->done = mine;
		c->running = false;
		pthread_cond_broadcast(&c->round_done);
	}
	t = c->token ? strdup(c->token) : NULL;
	pthread_mutex_unlock(&c->lock);
	return t;
}

static bool cacheable(const struct rpc_method *table, const char *method)
{
	for (; method && table->name; table++)
		if (!strcmp(table->name, method))
			return (table->flags & RPC_M_CACHED) && !table->guard;
	return false;
}

static xmlrpc_mem_block *doc_of(const char *bytes, size_t len)
{
	xmlrpc_mem_block *out;
	xmlrpc_env env;

	xmlrpc_env_init(&env);
	out = XMLRPC_MEMBLOCK_NEW(char, &env, 0);
	if (!env.fault_occurred)
		XMLRPC_MEMBLOCK_APPEND(char, &env, out, bytes, len);
	if (env.fault_occurred && out) {
		XMLRPC_MEMBLOCK_FREE(char, out);
		out = NULL;
	}
	xmlrpc_env_clean(&env);
	return out;
}

/* Keeps body -> doc under token (taken over), or only marks the body. */
static void keep(struct rpc_cache *c, const char *body, size_t len, uint64_t h,
		 const char *method, char *token, const xmlrpc_mem_block *doc)
{
	size_t n = doc ? XMLRPC_MEMBLOCK_SIZE(char, doc) : 0;
	struct cache_entry *e;
	char *reply = NULL;

	if (n > CACHE_MAX_REPLY || (doc && !(reply = malloc(n ? n : 1)))) {
		free(token);
		return;
	}
	if (reply)
		memcpy(reply, XMLRPC_MEMBLOCK_CONTENTS(char, doc), n);
	pthread_mutex_lock(&c->lock);
	e = find(c, body, len, h);
	if (!e) {
		e = slot(c);
		e->body = malloc(len ? len : 1);
		if (!e->body) {
			pthread_mutex_unlock(&c->lock);
			free(token);
			free(reply);
			return;
		}
		memcpy(e->body, body, len);
		e->len = len;
		e->hash = h;
		e->method = method;
	}
	free(e->token);
	free(e->reply);
	e->token = token;
	e->reply = reply;
	e->reply_len = n;
	e->used = ++c->clock;
	pthread_mutex_unlock(&c->lock);
}

bool rpc_cache_ready(struct rpc_cache *c, const char *body, size_t len)
{
	struct cache_entry *e;
	bool ready;

	if (len > CACHE_MAX_BODY)
		return false;
	pthread_mutex_lock(&c->lock);
	e = find(c, body, len, hash_body(body, len));
	ready = e && e->token && e->reply;
	pthread_mutex_unlock(&c->lock);
	return ready;
}

xmlrpc_mem_block *rpc_cache_kept(struct rpc_cache *c, const char *body,
				 size_t len, const char *token,
				 const char **method)
{
	xmlrpc_mem_block *doc = NULL;
	struct cache_entry *e;

	if (!token || len > CACHE_MAX_BODY)
		return NULL;
	pthread_mutex_lock(&c->lock);
	e = find(c, body, len, hash_body(body, len));
	if (e && e->token && e->reply && !strcmp(e->token, token)) {
		e->used = ++c->clock;
		doc = doc_of(e->reply, e->reply_len);
		*method = e->method;
	}
	pthread_mutex_unlock(&c->lock);
	return doc;
}

xmlrpc_mem_block *rpc_cache_call(struct rpc_cache *c,
				 const struct rpc_method *table, void *ctx,
				 const char *body, size_t len,
				 const struct rpc_peer *peer,
				 struct rpc_served *o)
{
	uint64_t h = hash_body(body, len);
	xmlrpc_mem_block *doc;
	struct cache_entry *e;
	char *token = NULL;
	bool known;

	if (len > CACHE_MAX_BODY)
		return rpc_process_call(table, ctx, body, len, peer, o);
	pthread_mutex_lock(&c->lock);
	known = find(c, body, len, h) != NULL;
	pthread_mutex_unlock(&c->lock);
	/* A body seen for the first time is only marked as a cached call. */
	if (known)
		token = rpc_cache_fresh_token(c);
	if (token) {
		pthread_mutex_lock(&c->lock);
		e = find(c, body, len, h);
		if (e && e->token && !strcmp(e->token, token)) {
			e->used = ++c->clock;
			doc = doc_of(e->reply, e->reply_len);
			o->method = e->method;
			o->fault_code = 0;
			pthread_mutex_unlock(&c->lock);
			free(token);
			if (doc)
				return doc;
			return rpc_process_call(table, ctx, body, len, peer, o);
		}
		pthread_mutex_unlock(&c->lock);
	}
	/* The token was taken before the handler reads: never newer. */
	doc = rpc_process_call(table, ctx, body, len, peer, o);
	if (doc && !o->fault_code && cacheable(table, o->method))
		keep(c, body, len, h, o->method, token, token ? doc : NULL);
	else
		free(token);
	return doc;
}
