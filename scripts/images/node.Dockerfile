# kraftbench node image: nothing but the static kbnode binary.
FROM scratch
COPY kbnode /kbnode
ENTRYPOINT ["/kbnode"]
CMD ["start"]
