"""boto3 against a real server: listing.

ListObjects and ListObjectsV2 with prefix, delimiter, max-keys and
pagination through boto3's paginators, compared with a model computed here
from the set of keys put (keys with spaces, unicode, '+', '%' and other
characters that need escaping), start-after, encoding-type=url and
fetch-owner.
"""
import urllib.parse

from botocore.exceptions import ClientError

from harness import ServerTestCase, boto3_client

KEYS = sorted({
    "a", "a/b", "a/b/c", "a/b/d", "a/c", "a/d/e/f", "a b/c d", "a+b", "a%2Fb", "a%b",
    "b/\u00e9t\u00e9/x", "b/\u00e9t\u00e9/y", "b/\u65e5\u672c/z", "b/plain", "b/plain/",
    "c", "c/", "c//d", "dir one/file one.txt", "dir one/file+two.txt", "dir one/sub/3",
    "e&f=g?h", "tilde~", "x" * 300, "z/\U0001F600/face", "zz",
} | {"many/%04d" % i for i in range(57)}, key=lambda k: k.encode())


def model(keys, prefix="", delimiter="", start_after=None):
    """What S3 lists: (keys, common prefixes), each ascending in UTF-8 order."""
    contents, prefixes = [], set()
    for k in keys:
        if not k.startswith(prefix):
            continue
        if start_after is not None and k.encode() <= start_after.encode():
            continue
        rest = k[len(prefix):]
        if delimiter and delimiter in rest:
            prefixes.add(prefix + rest[:rest.index(delimiter) + len(delimiter)])
        else:
            contents.append(k)
    return contents, sorted(prefixes, key=lambda p: p.encode())


class Boto3Listing(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.c = boto3_client(cls.server)
        cls.c.create_bucket(Bucket="lst")
        cls.c.create_bucket(Bucket="lst-empty")
        for k in KEYS:
            cls.c.put_object(Bucket="lst", Key=k, Body=k.encode()[:10])

    def paginate(self, op, **kw):
        keys, prefixes, pages = [], [], 0
        for page in self.c.get_paginator(op).paginate(Bucket="lst", **kw):
            pages += 1
            keys += [o["Key"] for o in page.get("Contents", [])]
            prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        return keys, prefixes, pages

    def test_everything(self):
        for op in ("list_objects", "list_objects_v2"):
            keys, prefixes, pages = self.paginate(op)
            self.assertEqual(keys, KEYS, op)
            self.assertEqual(prefixes, [], op)
            self.assertEqual(pages, 1, op)

    def test_paginated_with_prefix_and_delimiter(self):
        cases = [("", ""), ("", "/"), ("a", "/"), ("a/", "/"), ("b/", "/"), ("dir one/", "/"),
                 ("many/", ""), ("many/00", "/"), ("c", "/"), ("c/", "/"), ("", "b"),
                 ("a", "b/"), ("z/\U0001F600", "/"), ("nothing", "/"), ("", "one/")]
        for prefix, delim in cases:
            want = model(KEYS, prefix, delim)
            for op in ("list_objects", "list_objects_v2"):
                for page_size in (1, 7, 1000):
                    kw = {"Prefix": prefix, "PaginationConfig": {"PageSize": page_size}}
                    if delim:
                        kw["Delimiter"] = delim
                    keys, prefixes, pages = self.paginate(op, **kw)
                    what = (op, prefix, delim, page_size)
                    self.assertEqual(keys, want[0], what)
                    self.assertEqual(prefixes, want[1], what)
                    n = len(want[0]) + len(want[1])
                    self.assertEqual(pages, max(1, -(-n // page_size)), what)

    def test_max_keys_and_truncation_fields(self):
        r = self.c.list_objects_v2(Bucket="lst", MaxKeys=5)
        self.assertEqual([o["Key"] for o in r["Contents"]], KEYS[:5])
        self.assertTrue(r["IsTruncated"])
        self.assertEqual(r["KeyCount"], 5)
        self.assertEqual(r["MaxKeys"], 5)
        r2 = self.c.list_objects_v2(Bucket="lst", MaxKeys=5,
                                    ContinuationToken=r["NextContinuationToken"])
        self.assertEqual(r2["ContinuationToken"], r["NextContinuationToken"])
        self.assertEqual([o["Key"] for o in r2["Contents"]], KEYS[5:10])
        r = self.c.list_objects(Bucket="lst", MaxKeys=3, Delimiter="/")
        self.assertTrue(r["IsTruncated"])
        items = [o["Key"] for o in r.get("Contents", [])] + \
                [p["Prefix"] for p in r.get("CommonPrefixes", [])]
        self.assertEqual(len(items), 3)
        self.assertEqual(r["NextMarker"], max(items, key=lambda k: k.encode()))
        r = self.c.list_objects_v2(Bucket="lst", MaxKeys=0)
        self.assertEqual(r["KeyCount"], 0)
        self.assertNotIn("Contents", r)
        self.assertFalse(r["IsTruncated"])
        # more than 1000 asked: 1000 at most
        r = self.c.list_objects_v2(Bucket="lst", MaxKeys=5000)
        self.assertEqual(r["MaxKeys"], 1000)
        self.assertEqual(len(r["Contents"]), len(KEYS))

    def test_entry_fields(self):
        r = self.c.list_objects_v2(Bucket="lst", Prefix="a+b")
        [o] = r["Contents"]
        self.assertEqual(o["Key"], "a+b")
        self.assertEqual(o["Size"], 3)
        self.assertEqual(o["StorageClass"], "STANDARD")
        head = self.c.head_object(Bucket="lst", Key="a+b")
        self.assertEqual(o["ETag"], head["ETag"])
        self.assertEqual(o["LastModified"].replace(microsecond=0), head["LastModified"])
        self.assertNotIn("Owner", o)

    def test_start_after(self):
        for sa in ("a/b", "a/b/", "b/plain", "many/0030", "zzz", "", "\U0001F600",
                   "dir one/sub"):
            want = model(KEYS, start_after=sa if sa else None)[0]
            keys, _, _ = self.paginate("list_objects_v2", StartAfter=sa,
                                       PaginationConfig={"PageSize": 9})
            self.assertEqual(keys, want, sa)
            r = self.c.list_objects(Bucket="lst", Marker=sa)
            self.assertEqual([o["Key"] for o in r.get("Contents", [])], want, sa)
        r = self.c.list_objects_v2(Bucket="lst", StartAfter="many/0010", Prefix="many/", MaxKeys=2)
        self.assertEqual(r["StartAfter"], "many/0010")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["many/0011", "many/0012"])
        # start-after inside a common prefix skips that whole group
        r = self.c.list_objects_v2(Bucket="lst", Delimiter="/", Prefix="a/", StartAfter="a/b/c")
        want = model(KEYS, "a/", "/")
        self.assertEqual([o["Key"] for o in r.get("Contents", [])], want[0][want[0].index("a/c"):])
        self.assertEqual([p["Prefix"] for p in r.get("CommonPrefixes", [])], ["a/d/"])

    def test_encoding_type_url(self):
        odd = ["a b/c d", "a+b", "a%b", "e&f=g?h", "b/\u00e9t\u00e9/x", "z/\U0001F600/face"]
        # botocore asks for encoding-type=url on every listing and decodes
        # the answer itself (so every other test here goes through it);
        # asked for explicitly, it hands the encoded names back as they are.
        want = model(KEYS, "", "/")
        keys, prefixes, _ = self.paginate("list_objects_v2", EncodingType="url", Delimiter="/",
                                          PaginationConfig={"PageSize": 4})
        self.assertEqual([urllib.parse.unquote(k) for k in keys], want[0])
        self.assertEqual([urllib.parse.unquote(p) for p in prefixes], want[1])
        self.assertIn("a%25b", keys)
        self.assertIn("a%2Bb", keys)
        r = self.c.list_objects(Bucket="lst", EncodingType="url", Prefix="a b/",
                                Delimiter="|")
        self.assertEqual(r["Prefix"], "a%20b/")
        self.assertEqual(r["Delimiter"], "%7C")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["a%20b/c%20d"])
        # and the raw answer is encoded: keep boto3 from decoding it
        c = boto3_client(self.server)
        raw = {}

        def grab(http_response, **_):
            raw["body"] = http_response.content.decode()
        c.meta.events.register("after-call.s3.ListObjectsV2", grab)
        c.list_objects_v2(Bucket="lst", EncodingType="url")
        for k in odd:
            enc = urllib.parse.quote(k, safe="/~-_.")
            self.assertIn("<Key>%s</Key>" % enc, raw["body"], k)
            if enc != k:
                self.assertNotIn("<Key>%s</Key>" % k, raw["body"], k)
        self.assertIn("<EncodingType>url</EncodingType>", raw["body"])
        with self.assertRaises(ClientError) as cm:
            c.list_objects_v2(Bucket="lst", EncodingType="base64")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidArgument")

    def test_fetch_owner(self):
        r = self.c.list_objects_v2(Bucket="lst", Prefix="a/b", FetchOwner=True)
        self.assertEqual(len(r["Contents"]), 3)
        for o in r["Contents"]:
            self.assertIn("ID", o["Owner"])
            self.assertTrue(o["Owner"]["ID"])
        r = self.c.list_objects(Bucket="lst", Prefix="a/b")
        self.assertTrue(all(o["Owner"]["ID"] for o in r["Contents"]))

    def test_bad_continuation_token(self):
        with self.assertRaises(ClientError) as cm:
            self.c.list_objects_v2(Bucket="lst", ContinuationToken="!!!not a token!!!")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidArgument")

    def test_empty_bucket_and_missing_bucket(self):
        r = self.c.list_objects_v2(Bucket="lst-empty")
        self.assertEqual(r["KeyCount"], 0)
        self.assertNotIn("Contents", r)
        self.assertFalse(r["IsTruncated"])
        self.assertEqual(r["Name"], "lst-empty")
        for op in (self.c.list_objects, self.c.list_objects_v2):
            with self.assertRaises(ClientError) as cm:
                op(Bucket="lst-missing")
            self.assertEqual(cm.exception.response["Error"]["Code"], "NoSuchBucket")

    def test_list_buckets(self):
        names = [b["Name"] for b in self.c.list_buckets()["Buckets"]]
        self.assertEqual(names, ["lst", "lst-empty"])

    def test_listing_follows_writes_and_deletes(self):
        self.c.put_object(Bucket="lst-empty", Key="k1", Body=b"1")
        self.c.put_object(Bucket="lst-empty", Key="k2", Body=b"22")
        self.c.put_object(Bucket="lst-empty", Key="k1", Body=b"333")
        r = self.c.list_objects_v2(Bucket="lst-empty")
        self.assertEqual([(o["Key"], o["Size"]) for o in r["Contents"]], [("k1", 3), ("k2", 2)])
        self.c.delete_object(Bucket="lst-empty", Key="k1")
        self.c.delete_object(Bucket="lst-empty", Key="k2")
        self.assertEqual(self.c.list_objects_v2(Bucket="lst-empty")["KeyCount"], 0)
